"""Projects: the Project, its collaborators and object permissions, and their pages and API."""
