// An integrator in Node.js (amqplib): book a room by command, read the report, and
// follow availability. See docs/integrators.md.
//   npm install amqplib
//   HOTEL_AMQP_URL=amqp://integrator-ota-demo:<password>@localhost:5672/ \
//   HOTEL_CHANNEL=ota-demo node docs/examples/integrator_node.cjs
const amqp = require('amqplib');
const crypto = require('node:crypto');

const URL = process.env.HOTEL_AMQP_URL
  || 'amqp://integrator-ota-demo:integrator-ota-demo-dev-only@localhost:5672/';
const CHANNEL = process.env.HOTEL_CHANNEL || 'ota-demo';
const PROPERTY = process.env.HOTEL_PROPERTY_ID || 'demo-hotel';
const TIMEOUT_MS = Number(process.env.HOTEL_TIMEOUT || 30) * 1000;

function nextMatching(channel, queue, wanted) {
  // Resolves with the first message body `wanted` accepts; acks everything it reads.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${queue} in time`)), TIMEOUT_MS);
    channel.consume(queue, (message) => {
      channel.ack(message);
      const body = JSON.parse(message.content.toString());
      if (wanted(body)) {
        clearTimeout(timer);
        channel.cancel(message.fields.consumerTag).then(() => resolve(body), reject);
      }
    }).catch(reject);
  });
}

async function main() {
  const connection = await amqp.connect(URL);
  try {
    const channel = await connection.createConfirmChannel();
    const reports = `integrator-${CHANNEL}.reports`;
    const availability = `integrator-${CHANNEL}.availability`;
    await channel.assertQueue(reports, { durable: true });
    await channel.bindQueue(reports, 'hotel.reports', `reservation.report.${CHANNEL}`);
    await channel.assertQueue(availability, { durable: true });
    await channel.bindQueue(availability, 'hotel.events', 'availability.changed');

    const commandId = crypto.randomUUID();
    const arrival = new Date(Date.now() + 61 * 86400000);
    const departure = new Date(arrival.getTime() + 2 * 86400000);
    const day = (d) => d.toISOString().slice(0, 10);
    const command = {
      command_id: commandId, type: 'reservation.create', channel: CHANNEL,
      source_reference: `JS-${commandId.slice(0, 8)}`, property_id: PROPERTY,
      sent_at: new Date().toISOString(),
      payload: {
        guest: { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' },
        room_type: 'business', arrival: day(arrival), departure: day(departure), adults: 1,
      },
    };
    const report = nextMatching(channel, reports, (body) => body.command_id === commandId);
    channel.publish('hotel.commands', 'reservation.create', Buffer.from(JSON.stringify(command)), {
      messageId: commandId, type: command.type, contentType: 'application/json',
      persistent: true, mandatory: true,
      // Who sends it, as the broker vouches (it refuses any other login): the hotel takes
      // the channel from this, and refuses a command without it.
      userId: decodeURIComponent(new globalThis.URL(URL).username),
    });
    await channel.waitForConfirms();
    console.log(`sent reservation.create ${commandId}`);

    const answer = await report;
    console.log(`report: ${answer.status} confirmation=${answer.confirmation_number} reason=${answer.reason}`);
    const event = await nextMatching(channel, availability, () => true);
    console.log(`event: availability.changed ${JSON.stringify(event.payload).slice(0, 120)}`);
    return answer.status === 'accepted' ? 0 : 1;
  } finally {
    await connection.close();
  }
}

main().then((code) => process.exit(code), (error) => { console.error(error.message); process.exit(1); });
