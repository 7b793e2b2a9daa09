/* ctr_json.h - config.json and state.json of a container, with jansson
 * (internal to the container room). */
#ifndef VMKIT_CONTAINER_CTR_JSON_H
#define VMKIT_CONTAINER_CTR_JSON_H

#include "container/container.h"

#include <jansson.h>

json_t *ctr_json__config(const struct ctr_config *cfg);
int ctr_json__parse_config(const json_t *j, struct ctr_config *cfg, struct err *e);
void ctr_json__config_free(struct ctr_config *cfg);

json_t *ctr_json__state(const struct ctr_state *st);
int ctr_json__parse_state(const json_t *j, struct ctr_state *st, struct err *e);

/* A string vector as a JSON array (null for NULL), and back. */
json_t *ctr_json__strv(char *const *v);
char **ctr_json__parse_strv(const json_t *a);

const char *ctr_json__net_mode_name(enum net_mode m);

/* An image as `docker inspect` shows it (ctr_inspect.c); NULL with e set
 * if there is none. */
struct img_store;
json_t *ctr_json__image_inspect(struct img_store *s, const char *ref, struct err *e);

#endif
