"""The console's pages, one Flask blueprint per part of the staff's work:
signing in (session), the dashboard and its charts, conversations and their
transcripts, the training inbox, and exports. console.web assembles them."""
