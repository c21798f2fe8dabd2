#include "config.h"

#include "forwarder.h"
