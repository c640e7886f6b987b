"""perfdesk.views.components."""
