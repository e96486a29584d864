"""tjwatch: news monitoring for a bilateral relationship (the configured topic). Importing this
package does nothing."""

__version__ = "0.1.0"
