// Incidents: elections, stepdowns, rollbacks, restarts, connection storms and assertion bursts on a timeline.
export { IncidentsPage, stripLayout } from './incidents-page';
