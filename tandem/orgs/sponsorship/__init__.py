"""The participant's side: the sponsor port (booking inside a programme, its limits under
the programme's lock), matching with coaches, the survey, and "what my sponsor sees"."""
