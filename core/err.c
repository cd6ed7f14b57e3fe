/* core/err.c: names for trawl's error codes (see err.h for the convention). */
#include "core/err.h"

#include <string.h>
#include <uv.h>

const char *core_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case CORE_EFULL: return "queue full";
    case CORE_EEMPTY: return "queue empty";
    case CORE_ETASKDONE: return "task_done() called too many times";
    case CORE_EDEADLK: return "deadlock: coroutines wait with nothing left to wake them";
    case CORE_EHTTP: return "HTTP protocol error";
    case CORE_ECURL: return "transfer failed";
    case CORE_EDNS: return "could not resolve host";
    case CORE_ECONNECT: return "could not connect";
    case CORE_ETLS: return "TLS error";
    case CORE_ETOOLARGE: return "too large";
    case CORE_EPARSE: return "malformed input";
    case CORE_ESCHEME: return "scheme not allowed";
    case CORE_EOUTAGE: return "server unreachable past the outage timeout";
    case CORE_EREPLY: return "the server answered with an error";
    default: break;
    }
    if (err < 0 && err > CORE_EBASE)
        return uv_strerror(err); /* libuv knows every errno name and is thread-safe */
    return "unknown error";
}
