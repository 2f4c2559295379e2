// libxml2 (libxml2-dev): the parser, the tree, and canonical XML (C14N 1.0, 1.1, exclusive).
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its headers would bring ICU's types into Swift, where they
// clash with Foundation's own copy. esign never touches the encoding handlers' ICU fields.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/c14n.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>

// xmlFree is a global function pointer, which Swift 6 sees as shared mutable state.
static inline void esign_xml_free(void *pointer) { xmlFree(pointer); }
