"""Text: characters, words and names, shared by fields, matching and claims."""
