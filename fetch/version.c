/* fetch/version.c: libcurl's run-time version (see version.h). Here because only fetch/
 * includes curl.h. */
#include "fetch/version.h"

#include <curl/curl.h>

const char *fetch_version_libcurl(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    return v && v->version ? v->version : "unknown";
}
