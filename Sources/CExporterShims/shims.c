#include "CExporterShims.h"
