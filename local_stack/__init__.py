"""Runs the service's SAM template locally: moto for AWS services, our own Lambda runtime and API
Gateway emulation for the functions. Development and test tooling only; never deployed."""
