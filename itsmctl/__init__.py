"""itsmctl: ITSM as code. Change enablement, CMDB and service catalog kept as YAML in git."""

__version__ = "0.1.0"
