/*
 * Socket helpers shared by the RTSP and HTTP servers.
 */
#ifndef CAMVEIL_NET_H
#define CAMVEIL_NET_H

/* Local port a socket is bound to (IPv4 or IPv6), or -1. */
int net_local_port(int fd);

#endif
