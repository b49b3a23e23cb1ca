// zlib: gzip-compressed modules are inflated by a decoder modsplit drives, so it stops at the scan's
// size limit (libdw's inflater grows its buffer until the stream ends).
#include <zlib.h>
