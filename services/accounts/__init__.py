"""The accounts service: staff logins and sessions, users and roles, enrolled devices (motcua.cmd.accounts.*)."""
