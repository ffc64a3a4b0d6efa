"""Default configuration files shipped with relance (installed as ``relance_config``)."""
