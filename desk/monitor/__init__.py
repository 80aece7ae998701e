"""The coordinators' monitor page of the desk: figures and charts."""
