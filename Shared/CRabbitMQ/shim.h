#ifndef SALESDESK_CRABBITMQ_SHIM_H
#define SALESDESK_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

// A descriptor pair the connection thread polls to be woken for new commands: an eventfd on Linux (one descriptor
// serves both ends), a non-blocking pipe elsewhere. Returns 0 on success.
static inline int salesdesk_wake_open(int descriptors[2]) {
#ifdef __linux__
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    descriptors[0] = fd;
    descriptors[1] = fd;
    return fd < 0 ? -1 : 0;
#else
    if (pipe(descriptors) != 0) return -1;
    fcntl(descriptors[0], F_SETFL, O_NONBLOCK);
    fcntl(descriptors[1], F_SETFL, O_NONBLOCK);
    return 0;
#endif
}

static inline void salesdesk_wake_signal(int write_end) {
    uint64_t one = 1;
    ssize_t ignored = write(write_end, &one, sizeof one);
    (void)ignored;
}

static inline void salesdesk_wake_drain(int read_end) {
    uint64_t buffer[8];
    while (read(read_end, buffer, sizeof buffer) > 0) {}
}

// amqp_login is variadic, which Swift cannot call.
static inline amqp_rpc_reply_t salesdesk_amqp_login(amqp_connection_state_t state, const char *vhost, int channel_max,
                                                    int frame_max, int heartbeat, const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// The same with client properties, so the broker UI shows which service a connection belongs to.
static inline amqp_rpc_reply_t salesdesk_amqp_login_with_properties(amqp_connection_state_t state, const char *vhost,
                                                                    int channel_max, int frame_max, int heartbeat,
                                                                    const amqp_table_t *properties, const char *user,
                                                                    const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties, AMQP_SASL_METHOD_PLAIN,
                                      user, password);
}

// Method ids and flags are cast macros that Swift does not import.
static const amqp_method_number_t SALESDESK_BASIC_ACK_METHOD = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t SALESDESK_BASIC_NACK_METHOD = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t SALESDESK_BASIC_RETURN_METHOD = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t SALESDESK_BASIC_DELIVER_METHOD = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t SALESDESK_BASIC_CANCEL_METHOD = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t SALESDESK_CHANNEL_CLOSE_METHOD = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t SALESDESK_CONNECTION_CLOSE_METHOD = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t SALESDESK_CONNECTION_BLOCKED_METHOD = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t SALESDESK_CONNECTION_UNBLOCKED_METHOD = AMQP_CONNECTION_UNBLOCKED_METHOD;

static const amqp_method_number_t SALESDESK_CHANNEL_CLOSE_OK_METHOD = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t SALESDESK_CONNECTION_CLOSE_OK_METHOD = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const uint8_t SALESDESK_FRAME_METHOD = AMQP_FRAME_METHOD;
static const int SALESDESK_REPLY_SUCCESS = AMQP_REPLY_SUCCESS;

static const amqp_flags_t SALESDESK_BASIC_CONTENT_TYPE_FLAG = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t SALESDESK_BASIC_HEADERS_FLAG = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t SALESDESK_BASIC_DELIVERY_MODE_FLAG = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t SALESDESK_BASIC_CORRELATION_ID_FLAG = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t SALESDESK_BASIC_REPLY_TO_FLAG = AMQP_BASIC_REPLY_TO_FLAG;
static const amqp_flags_t SALESDESK_BASIC_EXPIRATION_FLAG = AMQP_BASIC_EXPIRATION_FLAG;
static const amqp_flags_t SALESDESK_BASIC_MESSAGE_ID_FLAG = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t SALESDESK_BASIC_TIMESTAMP_FLAG = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t SALESDESK_BASIC_TYPE_FLAG = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t SALESDESK_BASIC_APP_ID_FLAG = AMQP_BASIC_APP_ID_FLAG;

#endif
