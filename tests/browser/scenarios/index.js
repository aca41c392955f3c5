// The scenarios every front end runs, in order. To add one (e.g. %auth or
// %bq), write scenarios/<name>.js exporting {name, files, steps} like
// tour.js, and list it here. Steps of a scenario share one notebook page and
// run in order; later steps may rely on earlier ones.
import authBq from './auth_bq.js';
import tour from './tour.js';

export default [tour, authBq];
