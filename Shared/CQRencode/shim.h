#ifndef SALESDESK_CQRENCODE_SHIM_H
#define SALESDESK_CQRENCODE_SHIM_H

// libqrencode 4 (Debian `libqrencode-dev`): QRcode_encodeString8bit and QRcode_free are all the customer portal's QR
// code needs. The enum constants import as they are; nothing here is variadic or a macro Swift cannot see.
#include <qrencode.h>

#endif
