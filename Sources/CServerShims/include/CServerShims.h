#ifndef C_SERVER_SHIMS_H
#define C_SERVER_SHIMS_H

// Typed wrappers for the variadic C calls of libmicrohttpd, and the GnuTLS and libxcrypt headers HTTPServer needs,
// for HTTPServer only (so that CurlClient links none of them). Every function is a one-line forward.
#include <crypt.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

// MARK: - libmicrohttpd

/// MHD_start_daemon with every option given as one MHD_OPTION_ARRAY (terminated by an MHD_OPTION_END item).
struct MHD_Daemon *CServerShims_MHD_start_daemon(unsigned int flags,
                                                  uint16_t port,
                                                  MHD_AcceptPolicyCallback accept_policy,
                                                  void *accept_policy_cls,
                                                  MHD_AccessHandlerCallback handler,
                                                  void *handler_cls,
                                                  struct MHD_OptionItem *options);
/// MHD_get_daemon_info for the info types that take no extra argument (MHD_DAEMON_INFO_BIND_PORT, ...).
const union MHD_DaemonInfo *CServerShims_MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                              enum MHD_DaemonInfoType info_type);
/// MHD_get_connection_info(MHD_CONNECTION_INFO_GNUTLS_SESSION): the connection's GnuTLS session, or NULL
/// when the daemon does not use TLS.
gnutls_session_t CServerShims_MHD_connection_gnutls_session(struct MHD_Connection *connection);
/// MHD_get_connection_info(MHD_CONNECTION_INFO_CONNECTION_FD): the connection's socket, or -1.
int CServerShims_MHD_connection_socket(struct MHD_Connection *connection);

#endif
