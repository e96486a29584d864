"""tjwatch: news monitoring for Russia–Tajikistan relations. Importing this package does nothing."""

__version__ = "0.1.0"
