// liblzma (xz): the stream footer and index give an xz file's inflated size before it is inflated,
// and a stream decoder driven by modsplit stops at the scan's size limit.
#include <lzma.h>
