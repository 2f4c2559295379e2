#ifndef CXMLTEXT_H
#define CXMLTEXT_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has AVX2, which esign_xml_text_prefix needs (else it returns 0), found here
/// once: call before esign_xml_text_prefix.
int esign_xml_text_available(void);

/// The length of a prefix of `bytes[0..<count]` made of whole characters that canonical XML copies
/// unchanged from character data: well-formed UTF-8 of characters XML allows (not U+FFFE or
/// U+FFFF), none of `<`, `&`, `>`, `\r` or another control character but tab and line feed.
/// `bytes` must start at a character boundary. The prefix may stop short of the longest one: within
/// the last 32 bytes, at a character whose first byte is 0xEF (U+F000 to U+FFFF), and a character
/// before the byte that ends it. The caller's own loop goes on from there. 0 when
/// esign_xml_text_available() found nothing to run.
size_t esign_xml_text_prefix(const uint8_t *bytes, size_t count);

#endif
