#ifndef ESIGN_CPKCS11_H
#define ESIGN_CPKCS11_H
// The PKCS#11 v2.40 interface as p11-kit (libp11-kit-dev) ships it, with the standard CK_ names.
// Nothing is linked: modules are loaded at run time with dlopen.
#include <p11-kit/pkcs11.h>
#endif
