"""A tightly coupled job: each MPI rank passes a token round the ring and all ranks sum their numbers.

Run by examples/mpi-ring/tasks.json as a multi-instance task, one rank per node. Every rank
prints the node it runs on, so the output shows the job spanning the task's nodes.
"""
import os

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
from_left = comm.sendrecv(rank, dest=(rank + 1) % size, source=(rank - 1) % size)
total = comm.allreduce(rank + 1)
line = f"rank {rank} of {size} on node {os.environ.get('AZ_BATCH_NODE_ID', '?')}: token {from_left} from the left, sum {total}"
for text in comm.gather(line, root=0) or []:
    print(text, flush=True)
