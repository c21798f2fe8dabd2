#include "config.h"

#include "entry.h"
