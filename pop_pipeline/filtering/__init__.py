"""Data filters shared by the pipeline's filtering assets."""
