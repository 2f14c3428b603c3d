"""Powertools logger, metrics and tracer; service name and namespace come from the template."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()

# A request that records no business metric is normal; the empty-flush warning is noise in logs.
warnings.filterwarnings("ignore", message="No application metrics to publish")
