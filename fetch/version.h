/* fetch/version.h: which libcurl trawl runs with, for `trawl --version`.
 * Ownership: the string is libcurl's, static, valid for the life of the process. Any thread. */
#ifndef FETCH_VERSION_H
#define FETCH_VERSION_H

/* The version of the libcurl loaded at run time (e.g. "7.88.1"), not the one built against. */
const char *fetch_version_libcurl(void);

#endif
