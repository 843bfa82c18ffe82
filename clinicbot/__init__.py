"""Everything Rasa loads from this project, by the name config.yml,
endpoints.yml and credentials.yml give it:

- `clinicbot.nlu`: the NLU pipeline's components (sentence encoder,
  intent classifier, crisis guard, everyday sayings);
- `clinicbot.channels`: the REST and socket.io channels and the checks
  every incoming message gets;
- `clinicbot.stores`: the redacting SQL tracker store and the Redis lock
  store;
- `clinicbot.nlg`: the response generator that fills in clinic details;
- `clinicbot.safety`, `clinicbot.topics`, `clinicbot.settings`: the
  vocabulary (safety intents and overrides, topics) and the clinic's
  settings that the console, actions and measurement read too.

What starts processes lives in `launcher/`, not here.
"""
