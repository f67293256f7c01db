"""Who may see and do what: the permission catalogue, a person's grants, and the gate."""
