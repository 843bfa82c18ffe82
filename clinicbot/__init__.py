"""Our Python package beside Rasa: clinic settings, the NLU safety net,
the response generator and the redacting tracker store."""
