#include "config.h"

#include "queue.h"
