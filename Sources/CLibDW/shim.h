#include <elfutils/libdwelf.h>
