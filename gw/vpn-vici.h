/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn-vici: a small client of strongSwan's VICI protocol (the control
 * socket of charon's vici plugin), enough for gw/vpn.c: list SAs and
 * connections, terminate an SA.  Debian ships libvici without its header,
 * so the wire format is implemented here:
 *
 *   packet   = u32 length (big endian) | u8 type | [u8 len | name] | msg
 *   type     = 0 CMD_REQUEST (named), 1 CMD_RESPONSE, 2 CMD_UNKNOWN,
 *              3 EVENT_REGISTER (named), 4 EVENT_UNREGISTER (named),
 *              5 EVENT_CONFIRM, 6 EVENT_UNKNOWN, 7 EVENT (named)
 *   msg      = element*, an element being
 *              1 SECTION_START u8 len name | 2 SECTION_END |
 *              3 KEY_VALUE u8 len name u16 len value |
 *              4 LIST_START u8 len name | 5 LIST_ITEM u16 len value |
 *              6 LIST_END
 *
 * Messages are JSON objects here: sections are objects, key/values
 * strings, lists arrays of strings.  Every call is synchronous with a
 * timeout; nothing is kept between calls but the socket.
 */
#ifndef GW_VPN_VICI_H
#define GW_VPN_VICI_H

#include <jansson.h>
#include <stddef.h>

struct vpn_vici;

/* Connects to the unix socket 'path' (timeout per operation: 'timeout_ms').
 * NULL with a message in 'err' on failure. */
struct vpn_vici *vpn_vici_connect(const char *path, int timeout_ms, char *err,
                                  size_t errlen);
void vpn_vici_close(struct vpn_vici *); /* accepts NULL */

/* Runs command 'cmd' with the request 'req' (an object of strings, arrays
 * of strings and objects; NULL: empty).  When 'event' is not NULL, registers
 * for that event first and collects every event message received before
 * the response into the array '*events' (caller owns).  Returns the
 * response (caller owns) or NULL with a message in 'err'. */
json_t *vpn_vici_call(struct vpn_vici *, const char *cmd, const json_t *req,
                      const char *event, json_t **events, char *err,
                      size_t errlen);

/* The codec alone (for tests): encodes 'msg' into 'buf' (at most 'size'
 * bytes), returns the length or -1 if it does not fit or 'msg' holds a
 * value that VICI cannot carry; decodes 'len' bytes into an object or NULL
 * if malformed. */
int vpn_vici_encode(const json_t *msg, unsigned char *buf, size_t size);
json_t *vpn_vici_decode(const unsigned char *buf, size_t len);

#endif
