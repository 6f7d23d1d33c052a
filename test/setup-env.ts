// CI=true (as CI runs `npm test`) makes Ink render only the final frame, and Ink reads it once at
// import. Tests that check CI behaviour set CI themselves on the processes they spawn.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
