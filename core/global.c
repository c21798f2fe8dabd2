#include "config.h"

#include "global.h"
