# Shipped configuration
EXTRA_DIST += conf/auralog.conf
