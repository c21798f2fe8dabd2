#include "config.h"

#include "level.h"
