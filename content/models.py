"""Protocol app: owns no domain models."""
