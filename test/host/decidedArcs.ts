// The project's arc -> NVMe step decision, copied from the task text (not
// from src/host/vfio/arcs.ts). RUNNING_P2P -> PRE_COPY_P2P is not in that
// text; this driver sends QUERY there, like RUNNING -> PRE_COPY. Every
// profile's driver takes these steps (arcCommands.ts is the seam).
export const DECIDED: Record<string, string[]> = {
  'RUNNING>STOP': ['SUSPEND'],
  'STOP>RUNNING': ['RESUME'],
  'STOP>STOP_COPY': ['QUERY', 'SAVE'],
  'STOP_COPY>STOP': [],
  'STOP>RESUMING': [],
  'RESUMING>STOP': ['LOAD'],
  'RUNNING>RUNNING_P2P': ['SUSPEND'],
  'RUNNING_P2P>STOP': [],
  'STOP>RUNNING_P2P': [],
  'RUNNING_P2P>RUNNING': ['RESUME'],
  'RUNNING>PRE_COPY': ['QUERY'],
  'PRE_COPY>RUNNING': [],
  'PRE_COPY>STOP_COPY': ['SUSPEND', 'QUERY', 'SAVE'],
  'PRE_COPY>PRE_COPY_P2P': ['SUSPEND'],
  'PRE_COPY_P2P>PRE_COPY': ['RESUME'],
  'PRE_COPY_P2P>STOP_COPY': ['QUERY', 'SAVE'],
  'PRE_COPY_P2P>RUNNING_P2P': [],
  'RUNNING_P2P>PRE_COPY_P2P': ['QUERY'],
};

/** Section 6 of tp4159: what each step is on the wire for the standard's profile. */
export const TP4159_STEPS: Record<string, string[]> = {
  SUSPEND: ['suspend'],
  RESUME: ['resume'],
  QUERY: ['identify CNS 20h', 'getState'],
  SAVE: ['getState'],
  LOAD: ['setState'],
};
