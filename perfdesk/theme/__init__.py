"""Design tokens and the QSS/palette generated from them. No Qt."""
