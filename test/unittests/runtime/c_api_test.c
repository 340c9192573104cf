/*===- c_api_test.c - The public header compiles as C and works from C ----===*/

#include "hybrid/runtime.h"

#include <stdio.h>
#include <string.h>

/* Loads |artifact|, binds |weights|, generates 4 tokens after {1, 2, 3} into
 * |out_tokens|. Returns 0 on success, else writes the message to |error|. */
int hyb_test_c_api_generate(const char *artifact, const char *weights,
                            int64_t *out_tokens, char *error, size_t size) {
  hyb_module_t *module = NULL;
  hyb_session_t *session = NULL;
  hyb_session_options_t options;
  const int64_t prompt[3] = {1, 2, 3};
  hyb_status_t status = hyb_module_load(artifact, &module);
  if (!status)
    status = hyb_module_bind_weights(module, weights);
  if (!status) {
    hyb_session_options_init(&options);
    status = hyb_session_create(module, &options, &session);
  }
  if (!status)
    status = hyb_session_generate_greedy(session, prompt, 3, 4, out_tokens);
  if (status) {
    snprintf(error, size, "%s: %s", hyb_status_code_name(hyb_status_code(status)),
             hyb_status_message(status));
    hyb_status_free(status);
  }
  hyb_session_free(session);
  hyb_module_free(module);
  return status ? 1 : 0;
}

/* Loads |artifact|, binds |weights|, runs `prefill` on {1, 2, 3} through the
 * generic call, writing logits [1, 3, 8] to |out_logits|. Returns 0 on
 * success. */
int hyb_test_c_api_call(const char *artifact, const char *weights,
                        float *out_logits) {
  hyb_module_t *module = NULL;
  hyb_session_t *session = NULL;
  int64_t tokens[3] = {1, 2, 3};
  hyb_tensor_t in = {"tokens", HYB_DTYPE_I64, 2, {1, 3}, tokens};
  hyb_tensor_t out = {"logits", HYB_DTYPE_F32, 3, {1, 3, 8}, out_logits};
  hyb_status_t status = hyb_module_load(artifact, &module);
  if (!status)
    status = hyb_module_bind_weights(module, weights);
  if (!status)
    status = hyb_session_create(module, NULL, &session);
  if (!status)
    status = hyb_session_launch(session, "prefill", &in, 1, &out, 1);
  if (!status)
    status = hyb_session_synchronize(session);
  int failed = status != NULL;
  hyb_status_free(status);
  hyb_session_free(session);
  hyb_module_free(module);
  return failed;
}
