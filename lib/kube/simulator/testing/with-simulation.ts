// Runs a test body against a simulator serving HTTP on a manual clock, and stops it afterwards whatever happens.
import { ManualClock } from '../cluster/sim-clock.ts';
import { Simulation, type SimulationOptions } from '../simulation.ts';

export async function withSimulation(startMs: number, options: SimulationOptions, run: (sim: Simulation) => Promise<void>): Promise<void> {
  const sim = await Simulation.start({ clock: new ManualClock(startMs), rate: 20, ...options });
  try {
    await run(sim);
  } finally {
    await sim.stop();
  }
}
