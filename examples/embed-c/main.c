/* Decides for one contact and one campaign, and prints the decision as JSON.
 *
 *   embed-c POLICIES CONTACT.json CAMPAIGN.json
 *
 * POLICIES is a directory of .law files, a .law file or a .lawc file; CONTACT.json and
 * CAMPAIGN.json each hold one JSON object (FACTS.md). Exit status: 0 decided, 1 the
 * policies or the facts could not be used, 2 usage. */
#include <lawful/lawful.h>

#include <stdio.h>
#include <stdlib.h>

static char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  char* text = NULL;
  size_t cap = 0, n = 0, got;
  if (!f) return NULL;
  do {
    if (n + 4096 > cap) {
      char* bigger = realloc(text, cap = 2 * cap + 4096);
      if (!bigger) {
        free(text);
        fclose(f);
        return NULL;
      }
      text = bigger;
    }
    got = fread(text + n, 1, cap - n, f);
    n += got;
  } while (got > 0);
  fclose(f);
  *len = n;
  return text;
}

int main(int argc, char** argv) {
  lawful_engine* engine = NULL;
  lawful_diagnostics* diags = NULL;
  lawful_decision* decision = NULL;
  char *contact, *campaign;
  size_t contact_len = 0, campaign_len = 0;
  lawful_status status;

  if (argc != 4) {
    fprintf(stderr, "usage: %s POLICIES CONTACT.json CAMPAIGN.json\n", argv[0]);
    return 2;
  }
  /* Compile the policies; on failure, show the compiler's messages. */
  if (lawful_engine_load_path(argv[1], &engine, &diags) != LAWFUL_OK) {
    fputs(lawful_diagnostics_text(diags), stderr);
    fprintf(stderr, "embed-c: %s\n", lawful_last_error());
    lawful_diagnostics_free(diags);
    return 1;
  }
  lawful_diagnostics_free(diags);

  contact = read_file(argv[2], &contact_len);
  campaign = read_file(argv[3], &campaign_len);
  if (!contact || !campaign) {
    fprintf(stderr, "embed-c: cannot read %s\n", contact ? argv[3] : argv[2]);
    free(contact);
    free(campaign);
    lawful_engine_free(engine);
    return 1;
  }

  /* A decision object is reusable: a service keeps one per thread. */
  if (lawful_decision_new(&decision) != LAWFUL_OK) {
    fprintf(stderr, "embed-c: %s\n", lawful_last_error());
    return 1;
  }
  status = lawful_decide_json(engine, contact, contact_len, campaign, campaign_len, decision);
  /* A failed decision prints its error record, as `lawful check` does. */
  printf("%s\n", lawful_decision_json(decision, NULL));
  if (status != LAWFUL_OK) fprintf(stderr, "embed-c: %s: %s\n", lawful_status_name(status), lawful_last_error());

  lawful_decision_free(decision);
  lawful_engine_free(engine);
  free(contact);
  free(campaign);
  return status == LAWFUL_OK ? 0 : 1;
}
