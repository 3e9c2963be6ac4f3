"""What people type, read into the arguments a skill takes.

Shared by the orchestrator's local model (which fills a skill's arguments as a
cloud model's tool call would) and by the agents (which answer a bare text
message as well as a planned one):

- `numbers`: number words to digits ("twenty two" -> "22"; text2num).
- `arithmetic`: a request in words to one expression ("multiply 23 by 19" -> "23 * 19").
- `instructions`: the text to work on apart from the instruction
  ("shorten this: <text>" -> "<text>").
- `scope`: instructions to change the system itself ("delete all agents"), which
  no agent may carry out.
"""
