"""The portal's front door: the home page, the About and Help pages."""
