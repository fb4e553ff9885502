"""Request and response models: XCreate / XUpdate / XRead per resource."""
