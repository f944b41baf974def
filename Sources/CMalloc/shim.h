// glibc's malloc.h (mallopt, M_MMAP_THRESHOLD) for HTTPServer's MallocTuning; Swift's Glibc module leaves it
// out. Declarations only: no code.
#include <malloc.h>
